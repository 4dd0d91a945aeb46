"""The bundled offline index: collecting a snapshot of real metadata from an index and writing or
unpacking it as a file:// index.
"""
