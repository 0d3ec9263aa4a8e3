"""The HTTP edge: the app factory, its dependencies, routes, middleware and the widget."""
