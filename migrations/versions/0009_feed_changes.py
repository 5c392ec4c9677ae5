"""feed_changes: one row per transaction that changes what a business's feeds show

Revision ID: 0009
Revises: 0008
Create Date: 2027-02-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'feed_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('business_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_changes')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('feed_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_changes_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_changes_changed_at'), ['changed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('feed_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_changes_changed_at'))
        batch_op.drop_index(batch_op.f('ix_feed_changes_business_id'))
    op.drop_table('feed_changes')
