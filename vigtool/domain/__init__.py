"""Plain-Python domain model: cases, recordings, codebook, annotations, clips, review sessions."""
