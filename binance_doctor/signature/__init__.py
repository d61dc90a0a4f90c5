"""Request signing and -1022 diagnosis: the signing rule, the sent request, the mistake search and its view."""
