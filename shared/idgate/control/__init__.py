"""The control plane: the operations behind the admin API, the dashboard and the CLI
(organizations, applications, customers, members, tiers, audit queries, the platform
itself), each checking its permission (``rbac``) and recording an audit event. Calls into
the data plane; the data plane never imports it."""
