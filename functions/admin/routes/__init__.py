"""The admin API's routers, one module per resource; ``functions.admin.app`` mounts them."""
