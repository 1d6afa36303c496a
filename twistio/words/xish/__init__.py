"""XML streams in pieces: ``domish`` (elements, parsers, serializer), ``xpath`` (queries),
``utility`` (event dispatching) and ``xmlstream`` (the streaming protocol)."""
