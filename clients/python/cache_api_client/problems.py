"""The one exception every refused request raises: the API's problem document, typed."""

import json

import httpx

from .models.field_error import FieldError
from .models.problem import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(Exception):
    """The server answered 400 or more.

    `status`, `title`, `detail` and `errors` (one `FieldError` per wrong field) come
    from the `application/problem+json` body; `problem` is that body as the generated
    `Problem` model. An answer that is not a problem document (a proxy's page, say)
    still raises this, with its status, its text as `detail` and no `errors`.
    `headers` are the answer's: a 412 carries the current `ETag`, a 503 `Retry-After`.
    """

    def __init__(self, status: int, title: str, detail: str, errors: list[FieldError],
                 problem: Problem | None, headers: httpx.Headers):
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.problem = problem
        self.headers = headers

    @property
    def etag(self) -> str | None:
        """The current version's `ETag` (sent with a 412 and some other answers)."""
        value: str | None = self.headers.get("ETag")
        return value

    @property
    def fields(self) -> list[str]:
        """The names of the wrong fields, in the server's order."""
        return [error.field for error in self.errors]

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ProblemError":
        """The error for an answer whose body has been read."""
        problem = None
        if response.headers.get("Content-Type", "").split(";")[0].strip() == PROBLEM_MEDIA_TYPE:
            try:
                problem = Problem.from_dict(response.json())
            except (ValueError, KeyError, TypeError):
                problem = None  # a malformed problem document: keep what the answer says
        if problem is None:
            return cls(response.status_code, response.reason_phrase, _text(response), [], None,
                       response.headers)
        errors = problem.errors if isinstance(problem.errors, list) else []
        return cls(problem.status, problem.title, problem.detail, errors, problem,
                   response.headers)


def _text(response: httpx.Response) -> str:
    try:
        return json.dumps(response.json())
    except ValueError:
        return response.text


def raise_for_problem(response: httpx.Response) -> None:
    """httpx response hook (sync clients): raise `ProblemError` for a status of 400 or more."""
    if response.status_code >= 400:
        response.read()
        raise ProblemError.from_response(response)


async def araise_for_problem(response: httpx.Response) -> None:
    """httpx response hook (async clients): raise `ProblemError` for a status of 400 or more."""
    if response.status_code >= 400:
        await response.aread()
        raise ProblemError.from_response(response)
