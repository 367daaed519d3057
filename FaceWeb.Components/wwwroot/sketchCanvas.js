// Sketch canvas: pointer input (mouse, pen, touch) drawn locally for smoothness; each finished stroke goes to .NET,
// which owns the stroke list (undo, redo, clear, export) and asks for a redraw.
const canvases = new WeakMap();

// mask mode: transparent paper over a background image, translucent red ink (painting a region).
export function attach(canvas, dotnet, mask) {
  const ctx = canvas.getContext('2d');
  const state = { dotnet, tool: 'pen', size: 0.02, points: null, mask: !!mask };
  canvases.set(canvas, state);
  clear(ctx, canvas, state);
  // Points are fractions of the canvas, kept inside it and rounded to 1/10000 (sub-pixel), so a stroke dragged far
  // off the canvas stays on its edge and every stroke fits one small message to the server.
  const clamp01 = v => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
  const at = e => {
    const r = canvas.getBoundingClientRect();
    return [clamp01((e.clientX - r.left) / r.width), clamp01((e.clientY - r.top) / r.height)];
  };
  const MAX_POINTS = 1500;     // longer strokes are sent in pieces (the server accepts up to 2000 points each)
  canvas.addEventListener('pointerdown', e => {
    canvas.setPointerCapture(e.pointerId);
    state.points = [at(e)];
    draw(ctx, canvas, state, { tool: state.tool, size: state.size, points: state.points });
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', e => {
    if (!state.points) return;
    const p = at(e), last = state.points[state.points.length - 1];
    if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 0.002) return;     // no movement worth a point
    state.points.push(p);
    draw(ctx, canvas, state, { tool: state.tool, size: state.size, points: state.points.slice(-2) });
    if (state.points.length >= MAX_POINTS) {
      state.dotnet.invokeMethodAsync('AddStroke', state.tool, state.size, state.points.flat());
      state.points = [p];
    }
    e.preventDefault();
  });
  const end = () => {
    if (!state.points) return;
    const flat = state.points.flat();
    state.points = null;
    state.dotnet.invokeMethodAsync('AddStroke', state.tool, state.size, flat);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.style.touchAction = 'none';
  canvas.dataset.ready = 'true';   // strokes are listened for from here on (tests wait for it before drawing)
}

export function setTool(canvas, tool, size) {
  const state = canvases.get(canvas);
  if (state) { state.tool = tool; state.size = size; }
}

export function redraw(canvas, strokes) {
  const ctx = canvas.getContext('2d');
  const state = canvases.get(canvas) ?? { mask: false };
  clear(ctx, canvas, state);
  for (const s of strokes) {
    const points = [];
    for (let i = 0; i < s.points.length; i += 2) points.push([s.points[i], s.points[i + 1]]);
    draw(ctx, canvas, state, { tool: s.tool, size: s.size, points });
  }
}

function clear(ctx, canvas, state) {
  if (state.mask) { ctx.clearRect(0, 0, canvas.width, canvas.height); return; }
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

function draw(ctx, canvas, state, s) {
  ctx.globalCompositeOperation = state.mask && s.tool === 'eraser' ? 'destination-out' : 'source-over';
  const ink = state.mask ? 'rgba(255,0,0,0.35)' : '#000';
  ctx.strokeStyle = ctx.fillStyle = s.tool === 'eraser' ? (state.mask ? '#000' : '#fff') : ink;
  ctx.lineWidth = Math.max(1, s.size * canvas.width);
  ctx.lineCap = ctx.lineJoin = 'round';
  const [x0, y0] = s.points[0];
  ctx.beginPath();
  if (s.points.length === 1) {
    ctx.arc(x0 * canvas.width, y0 * canvas.height, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.moveTo(x0 * canvas.width, y0 * canvas.height);
  for (const [x, y] of s.points.slice(1)) ctx.lineTo(x * canvas.width, y * canvas.height);
  ctx.stroke();
}
