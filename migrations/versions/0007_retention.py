"""retention: a business's retention period, and the counts kept of purged cancelled bookings

Revision ID: 0007
Revises: 0006
Create Date: 2027-02-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), nullable=False, server_default='24'))
    op.create_table('purged_cancellations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_purged_cancellations_business_id_businesses')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_purged_cancellations_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purged_cancellations'))
    )
    with op.batch_alter_table('purged_cancellations', schema=None) as batch_op:
        batch_op.create_index('ix_purged_cancellations_business_start', ['business_id', 'start_utc'], unique=False)


def downgrade():
    with op.batch_alter_table('purged_cancellations', schema=None) as batch_op:
        batch_op.drop_index('ix_purged_cancellations_business_start')
    op.drop_table('purged_cancellations')
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_column('retention_months')
