"""What a failed resolution means: conflicts with parents and paths, the smallest clashing lines,
proven fixes, matrices, other targets, what broke a build. Re-resolves through the engine.
"""
