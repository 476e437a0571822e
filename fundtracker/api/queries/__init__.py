"""Read queries of the API door (SQLAlchemy Core, a fixed number of statements per page), scoped by actor."""
