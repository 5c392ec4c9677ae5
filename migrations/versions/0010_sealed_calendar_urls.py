"""external_calendars.url sealed at rest under SECRET_KEY (booking.sealing)

Revision ID: 0010
Revises: 0009
Create Date: 2027-02-14 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from booking.sealing import is_sealed, seal, unseal


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

calendars = sa.table('external_calendars', sa.column('id', sa.Integer), sa.column('url', sa.Text))


def _rewrite(change) -> None:
    """Apply `change` to every stored address (the column keeps its type: Text)."""
    connection = op.get_bind()
    for row_id, url in connection.execute(sa.select(calendars.c.id, calendars.c.url)).all():
        new = change(url)
        if new is not None and new != url:
            connection.execute(calendars.update().where(calendars.c.id == row_id).values(url=new))


def upgrade():
    key = current_app.config['SECRET_KEY']
    _rewrite(lambda url: url if is_sealed(url) else seal(url, key))


def downgrade():
    key = current_app.config['SECRET_KEY']
    _rewrite(lambda url: unseal(url, key))
