namespace FaceWeb.Engine.Checkpoints;

/// <summary>A checkpoint, model pack or tensor file could not be read or does not fit the model.
/// The message names the file, key or value at fault and is meant to be shown to the user as is.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
