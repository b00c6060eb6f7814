"""boto3 adapters, and the only place boto3 lives: KMS key wrapping and SES mail."""
