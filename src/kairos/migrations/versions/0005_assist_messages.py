"""playbooks and key messages (issue 5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:50:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    playbooks = op.create_table(
        "playbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("stakes", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("cube", sa.String(length=64), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("wording", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("created_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbooks")),
        sa.UniqueConstraint("key", name=op.f("uq_playbooks_key")),
    )
    op.create_table(
        "playbook_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbooks.id"],
            name=op.f("fk_playbook_revisions_playbook_id_playbooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_revisions")),
        sa.UniqueConstraint("playbook_id", "version", name="uq_playbook_revision"),
    )
    op.create_table(
        "key_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("expected_fix", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("expires_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("expired_at", kairos.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("expired_by", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_messages")),
    )
    op.create_index("ix_key_messages_expires_at", "key_messages", ["expires_at"], unique=False)

    # The shipped default playbooks, read from the package's data file (the same file
    # kairos.assist.service.seed_defaults reads), so a new database has them from the start.
    from kairos.assist.service import content_of, default_playbooks

    now = datetime.now(UTC)
    op.bulk_insert(
        playbooks,
        [
            {
                "key": p.key,
                **content_of(p),
                "version": 1,
                "updated_by": None,
                "updated_at": now,
                "created_at": now,
            }
            for p in default_playbooks()
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_key_messages_expires_at", table_name="key_messages")
    op.drop_table("key_messages")
    op.drop_table("playbook_revisions")
    op.drop_table("playbooks")
