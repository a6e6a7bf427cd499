"""Create the database DATABASE_URL names if it does not exist yet (make run, make test).

The server must be reachable with the URL's credentials; nothing else is changed. Without
DATABASE_URL the default is the local development database.
"""

import sys

import environ
import psycopg
from psycopg import sql

DEFAULT = "postgres://postgres@127.0.0.1:5432/billing_console"


def main() -> int:
    config = environ.Env.db_url_config(environ.Env().str("DATABASE_URL", default=DEFAULT))
    if "postgresql" not in config["ENGINE"]:
        print(f"DATABASE_URL is not PostgreSQL ({config['ENGINE']}); not creating it.")
        return 0
    name = config["NAME"]
    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    try:
        with psycopg.connect(**params, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                print(f"Creating database {name} on {params['host']}:{params['port']}")
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        print(
            f"Cannot reach PostgreSQL at {params['host']}:{params['port']} as {params['user']} "
            f"to create {name}: {error}".strip(),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
