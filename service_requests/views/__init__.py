"""Pages of service requests: the public's (``public``, by tracking code) and the staff's
(``staff``: queues, one request and its moves)."""
