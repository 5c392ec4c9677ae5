"""customers.email optional: staff enter walk-ins and phone customers who give no address

The unique constraint (business_id, email) stays: PostgreSQL and SQLite both treat NULLs as
distinct, so any number of customers without an address may exist, and an address is still
unique per business.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-20 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)


def downgrade():
    # Customers without an address get a placeholder that is unique and never delivered.
    op.execute("UPDATE customers SET email = 'no-email-' || id || '@invalid' WHERE email IS NULL")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
