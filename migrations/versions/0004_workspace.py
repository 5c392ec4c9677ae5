"""workspace: excused no-shows, customer consent and erasure

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_excused', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('consent_source')
        batch_op.drop_column('consent_at')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('no_show_excused')
