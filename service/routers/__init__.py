"""The HTTP routes, one router per feature; ``service/api.py`` assembles them into the app."""
