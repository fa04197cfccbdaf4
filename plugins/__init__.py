"""Built-in fakebench plugins: one module per plugin, grouped by kind.

Every module here is registered when the plugin manager is built; its hook returns its
classes. Adding a built-in plugin is adding one file.
"""
