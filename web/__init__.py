"""Web layer: the app factory, shared dependencies, the widget and the merchant console."""
