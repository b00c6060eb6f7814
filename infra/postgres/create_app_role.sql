-- The role idgate serves as on PostgreSQL: it can read and write the tables but is bound by
-- their row-level security policies (migration 0003), because it neither owns them nor
-- is a superuser nor has BYPASSRLS. Migrations run as the owner instead
-- (IDGATE_MIGRATION_DATABASE_URL); the service connects as this role (IDGATE_DATABASE_URL).
--
-- Run as a superuser (on RDS: the master user), connected to idgate's database, before or
-- after the first migration (default privileges cover tables the owner creates later):
--   psql -v ON_ERROR_STOP=1 -d idgate -v owner=idgate -v app_password="$APP_PASSWORD" \
--        -f infra/postgres/create_app_role.sql
-- Variables: owner = the role that owns the schema and runs the migrations;
-- app_password = idgate_app's password. Safe to run again (it resets the password).

SELECT 'CREATE ROLE idgate_app'
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'idgate_app') \gexec

ALTER ROLE idgate_app WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
  NOREPLICATION NOINHERIT PASSWORD :'app_password';

SELECT format('GRANT CONNECT ON DATABASE %I TO idgate_app', current_database()) \gexec
GRANT USAGE ON SCHEMA public TO idgate_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO idgate_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO idgate_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO idgate_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO idgate_app;
