"""decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:44:15.521813
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import sqlmodel

import server.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=True),
    sa.Column('poll_bound_outcome', sa.Boolean(), nullable=False),
    sa.Column('bound_poll_id', sa.Integer(), nullable=True),
    sa.Column('suggestions_taken_up', sa.Boolean(), nullable=False),
    sa.Column('rung', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('suggested_rung', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rung_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('you_said', sa.Text(), nullable=False),
    sa.Column('we_did', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('we_did_published_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lundy', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', server.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['bound_poll_id'], ['poll.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_decided_on'), ['decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_org_id'), ['org_id'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('by', sa.Integer(), nullable=True),
    sa.Column('at', server.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['by'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_decision_id'), ['decision_id'], unique=False)

    op.create_table('decision_poll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id', 'poll_id')
    )
    with op.batch_alter_table('decision_poll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_poll_poll_id'), ['poll_id'], unique=False)

    op.create_table('decision_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id', 'comment_id')
    )
    with op.batch_alter_table('decision_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_thread_comment_id'), ['comment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('decision_thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_thread_comment_id'))

    op.drop_table('decision_thread')
    with op.batch_alter_table('decision_poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_poll_poll_id'))

    op.drop_table('decision_poll')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_decision_id'))

    op.drop_table('amendment')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_org_id'))
        batch_op.drop_index(batch_op.f('ix_decision_decided_on'))
        batch_op.drop_index(batch_op.f('ix_decision_campaign_id'))

    op.drop_table('decision')
