"""playbooks and key messages (issue 5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:50:00.000000
"""

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved so that work on several issues can add tables side by side; empty until it does.
    pass


def downgrade() -> None:
    pass
