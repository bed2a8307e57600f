"""The request contract: the specs as served (specs), what Connexion's validation
cannot state (validation, schemas), problem+json errors (errors), the token checks
(security) and the limits every request meets before routing (middleware)."""
