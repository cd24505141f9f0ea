"""Plain domain objects, rules and errors. Standard library only."""
