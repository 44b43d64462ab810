"""resettle: intake, validation and warehouse for overdue resettlement cases."""
