"""Customer self-service: sign-up, email verification, password reset, email sign-in links
and codes, and the account page's operations. Links carry random single-use tokens stored
only as digests (``account_tokens``); requests that send mail are limited per email and per
client network (``request_limits``); passwords are checked against ``password_rules``."""
