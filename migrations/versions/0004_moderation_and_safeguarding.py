"""moderation and safeguarding

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:13:00.898123
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import sqlmodel

import server.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('filter_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('phrase', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'key')
    )
    op.create_table('moderation_settings',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('filter_mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('report_threshold', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('mute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('until', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('lifted_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lifted_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mute_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mute_user_id'), ['user_id'], unique=False)

    op.create_table('concern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('raised_by', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('about_user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('seen_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['about_user_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seen_by'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concern_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_concern_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concern_raised_by'), ['raised_by'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('words', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('comment_id', 'reporter_id')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_resolved_at'), ['resolved_at'], unique=False)

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entry_comment_id'), ['comment_id'], unique=False)

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('premoderation', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('slow_mode_seconds', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('discussion_locked_at', server.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('campaign_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('peer_moderator_at', server.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('peer_moderator_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_campaign_member_peer_moderator_by_user', 'user', ['peer_moderator_by'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='shown'))
        batch_op.add_column(sa.Column('published_at', server.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_because', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('moderated_at', server.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('moderated_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderation_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_comment_moderated_by_user', 'user', ['moderated_by'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', server.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_comment_id'), ['comment_id'], unique=False)

    # Every comment written so far was shown to everyone when it was posted.
    op.execute("UPDATE comment SET published_at = created_at")



def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_comment_id'))
        batch_op.drop_column('comment_id')

    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_comment_moderated_by_user', type_='foreignkey')
        batch_op.drop_column('moderation_reason')
        batch_op.drop_column('moderated_by')
        batch_op.drop_column('moderated_at')
        batch_op.drop_column('held_because')
        batch_op.drop_column('published_at')
        batch_op.drop_column('state')

    with op.batch_alter_table('campaign_member', schema=None) as batch_op:
        batch_op.drop_constraint('fk_campaign_member_peer_moderator_by_user', type_='foreignkey')
        batch_op.drop_column('peer_moderator_by')
        batch_op.drop_column('peer_moderator_at')

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('discussion_locked_at')
        batch_op.drop_column('slow_mode_seconds')
        batch_op.drop_column('premoderation')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_comment_id'))
        batch_op.drop_column('comment_id')

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_report_comment_id'))
        batch_op.drop_index(batch_op.f('ix_report_campaign_id'))

    op.drop_table('report')
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_raised_by'))
        batch_op.drop_index(batch_op.f('ix_concern_org_id'))
        batch_op.drop_index(batch_op.f('ix_concern_closed_at'))
        batch_op.drop_index(batch_op.f('ix_concern_campaign_id'))

    op.drop_table('concern')
    with op.batch_alter_table('mute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mute_user_id'))
        batch_op.drop_index(batch_op.f('ix_mute_campaign_id'))

    op.drop_table('mute')
    op.drop_table('moderation_settings')
    op.drop_table('filter_word')

