"""The runtime layer, below everything else: paths, CPU threads, atomic writes, provenance, options.

Nothing here knows about the method, the data or the book.
"""
