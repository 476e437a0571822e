"""lists: an index in each sortable list's page order, (sort column, id), on the tables that grow

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 01:00:00.000000

"""
from alembic import op

# (table, sort column, the single-column index it replaces or None); see database.keyset_index.
KEYSET = (
    ("payment", "received_date", "ix_payment_received_date"),
    ("payment", "usd_minor", None),
    ("pledge", "pledge_date", None),
    ("allocation", "allocation_date", None),
    ("expenditure", "expenditure_date", None),
    ("exchange_rate", "effective_date", None),
    ("journal_entry", "entry_date", "ix_journal_entry_entry_date"),
)


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    for table, column, replaced in KEYSET:
        op.create_index(f"ix_{table}_{column}_id", table, [column, "id"])
        if replaced:
            op.drop_index(replaced, table_name=table)


def downgrade():
    for table, column, replaced in reversed(KEYSET):
        if replaced:
            op.create_index(replaced, table, [column])
        op.drop_index(f"ix_{table}_{column}_id", table_name=table)
