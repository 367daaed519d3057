// The display name a browser uses in review rooms, remembered in a cookie. It is a label, not a login.
const key = 'faceweb-name';
export function get() {
  const m = document.cookie.split('; ').find(c => c.startsWith(key + '='));
  return m ? decodeURIComponent(m.slice(key.length + 1)) : '';
}
export function set(name) {
  document.cookie = `${key}=${encodeURIComponent(name)}; path=/; max-age=31536000; samesite=strict`;
}
