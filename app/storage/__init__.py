"""Everything that writes SQL: engines and sessions (db), tables (models), the entry
queries (store), history, the migrations' runner (migrate), the use tally (tally), the
reads of its series (usage) and the purge (purge).

Who commits: the request handlers own a request's transaction (`db.session()` commits
when the block ends); the functions of `store` and `history` only execute statements
on the session they are given. The background writers (tally, purge) and the CLI open
and commit their own transactions, since no request holds them.
"""
