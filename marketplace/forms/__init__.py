"""WTForms classes, one module per feature, and the bridge from domain errors to fields."""


def apply_domain_errors(form, exc):
    """Put a ValidationFailed's messages next to the fields they belong to.

    Messages for fields the form does not have, or for the whole form (''),
    go to `form.form_errors`, which the error summary shows at the top.
    """
    for name, messages in exc.errors.items():
        field = _find_field(form, name)
        target = list(field.errors) if field is not None else form.form_errors
        fresh = [str(m) for m in messages if str(m) not in {str(e) for e in target}]  # a rule checked twice shows once
        if field is not None:
            field.errors = target + fresh
        else:
            form.form_errors.extend(fresh)


def _find_field(form, dotted):
    field = form
    for part in dotted.replace("-", ".").split("."):
        if part.isdigit():
            entries = getattr(field, "entries", None)
            if entries is None or int(part) >= len(entries):
                return None
            field = entries[int(part)]
            field = getattr(field, "form", field)
            continue
        field = getattr(field, part, None) if not hasattr(field, "_fields") else field._fields.get(part)
        if field is None:
            return None
    return None if field is form else field
