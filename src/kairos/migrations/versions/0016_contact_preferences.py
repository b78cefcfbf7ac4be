"""a customer's contact preference (proactive contact off, or off per channel) and the consent log

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_preferences",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("proactive", sa.Boolean(), nullable=False),
        sa.Column("channels_off", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_contact_preferences_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_contact_preferences")),
    )
    op.create_table(
        "consent_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("proactive", sa.Boolean(), nullable=False),
        sa.Column("channels_off", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_log")),
    )
    op.create_index(
        "ix_consent_log_customer_at", "consent_log", ["customer_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_consent_log_customer_at", table_name="consent_log")
    op.drop_table("consent_log")
    op.drop_table("contact_preferences")
