"""The model catalogue: the single source of truth for models, their inputs and their prices."""
