"""Users, roles and the permission checks every service calls first."""
