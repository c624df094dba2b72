"""The 24-hour hotline (12345 热线), laid out like ``backend``.

- ``domain/``: pure rules (the ticket state machine, call events, Open311's format); no store, no web.
- ``services/``: use cases over the store (tickets, callers, routing, knowledge base, calls, Open311,
  operator work) and the adapters they use (the classifier, Aliyun's call centre).
- ``handlers/``: thin Tornado handlers and their request bodies; ``handlers.default_handlers`` is the
  hotline's route table, which ``backend.app`` adds to the API's.
- ``data/``: the bundled sample data (departments, labelled tickets, articles, stopwords).

The hotline builds on ``backend``'s case pipeline, which does not import it back: where the pipeline
needs the hotline (who may read a ticket's photos), the hotline fills a hook at app start
(``services.hooks``).
"""
