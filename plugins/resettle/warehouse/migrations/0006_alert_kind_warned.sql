-- A file accepted with warnings is told to its sender through the same log as every other alert.
alter table ops.alert drop constraint if exists alert_kind_check;
alter table ops.alert add constraint alert_kind_check
    check (kind in ('reminder', 'late', 'escalation', 'invalid', 'pipeline', 'supervision', 'warned'));
