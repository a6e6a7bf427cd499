from billing.models import RESOURCE_DATA_MODELS, PushApp


def delete_resource_data(app: PushApp) -> int:
    """Destroy/reclaim: tokens, account and tag bindings and push history go for good
    (SPEC.md §3); orders, bill lines and the ledger stay."""
    return sum(model.objects.filter(app=app).delete()[0] for model in RESOURCE_DATA_MODELS)
