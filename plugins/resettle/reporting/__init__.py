"""What readers see, built from the marts: the dashboard, the bulletin, templates and xlsx helpers."""
