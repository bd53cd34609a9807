"""Deployment helpers (issue 10): the database roles' init script, the application role's
grants after migrations, the web container's healthcheck, backup and restore scripts."""
