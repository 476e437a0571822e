"""api: idempotency keys of money postings, and a trigger-kept tally of payments for cheap list totals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# Append-only tables whose rows the API lists unfiltered; the tally is their exact row count.
TALLIED = ("payment",)


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotency_key_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_key_user_id_key'))
    )
    op.create_table('row_tally',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('inserted', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_row_tally'))
    )
    for table in TALLIED:
        op.execute(f"INSERT INTO row_tally (name, inserted) SELECT '{table}', count(*) FROM {table}")
    create_tally_triggers()


def downgrade():
    drop_tally_triggers()
    op.drop_table('row_tally')
    op.drop_table('idempotency_key')


def create_tally_triggers():
    bind = op.get_bind()
    upsert = ("INSERT INTO row_tally (name, inserted) VALUES ('{table}', 1) "
              "ON CONFLICT (name) DO UPDATE SET inserted = row_tally.inserted + 1")
    if bind.dialect.name == "postgresql":
        # Deferred to commit time: the tally row is locked only at the very end of a posting, after the
        # journal's chain lock, so two postings can never wait on each other in opposite orders.
        op.execute(f"""
            CREATE FUNCTION tally_inserted_row() RETURNS trigger AS $$
            BEGIN
                {upsert.replace("'{table}'", "TG_TABLE_NAME")};
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
        """)
        for table in TALLIED:
            op.execute(f"CREATE CONSTRAINT TRIGGER {table}_tally AFTER INSERT ON {table} "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tally_inserted_row()")
    else:
        for table in TALLIED:
            op.execute(f"CREATE TRIGGER {table}_tally AFTER INSERT ON {table} "
                       f"BEGIN {upsert.format(table=table)}; END")


def drop_tally_triggers():
    bind = op.get_bind()
    for table in TALLIED:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_tally ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_tally")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tally_inserted_row()")
