"""scheduler_heartbeats: the last beat of every process that runs the scheduler jobs

Revision ID: 0008
Revises: 0007
Create Date: 2027-02-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_heartbeats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeats')),
        sa.UniqueConstraint('process', name=op.f('uq_scheduler_heartbeats_process')),
    )
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_heartbeats_beat_at'), ['beat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_heartbeats_beat_at'))
    op.drop_table('scheduler_heartbeats')
