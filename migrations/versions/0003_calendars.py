"""calendar feeds, external calendars, busy blocks, conflicts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:35:49.478262

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('busy_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_calendar_feeds_business_id_businesses')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_calendar_feeds_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_business_id'), ['business_id'], unique=False)

    op.create_table('external_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('all_day_busy', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_problems', sa.Text(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('busy_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_external_calendars_business_id_businesses')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_external_calendars_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_calendars'))
    )
    with op.batch_alter_table('external_calendars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_calendars_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_calendars_staff_id'), ['staff_id'], unique=False)

    op.create_table('busy_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['external_calendars.id'], name=op.f('fk_busy_blocks_calendar_id_external_calendars'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_busy_blocks_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_blocks'))
    )
    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_busy_blocks_calendar_id'), ['calendar_id'], unique=False)
        batch_op.create_index('ix_busy_blocks_staff_range', ['staff_id', 'start_utc', 'end_utc'], unique=False)

    op.create_table('calendar_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=True),
    sa.Column('busy_start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('busy_end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_calendar_conflicts_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_calendar_conflicts_business_id_businesses')),
    sa.ForeignKeyConstraint(['calendar_id'], ['external_calendars.id'], name=op.f('fk_calendar_conflicts_calendar_id_external_calendars'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_conflicts'))
    )
    with op.batch_alter_table('calendar_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_conflicts_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_calendar_conflicts_open', ['business_id', 'resolved_at'], unique=False)




def downgrade():

    with op.batch_alter_table('calendar_conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_conflicts_open')
        batch_op.drop_index(batch_op.f('ix_calendar_conflicts_booking_id'))

    op.drop_table('calendar_conflicts')
    with op.batch_alter_table('busy_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_blocks_staff_range')
        batch_op.drop_index(batch_op.f('ix_busy_blocks_calendar_id'))

    op.drop_table('busy_blocks')
    with op.batch_alter_table('external_calendars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_calendars_staff_id'))
        batch_op.drop_index(batch_op.f('ix_external_calendars_business_id'))

    op.drop_table('external_calendars')
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_business_id'))

    op.drop_table('calendar_feeds')

