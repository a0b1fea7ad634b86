"""What renewals adds to other pages: the contact-page panel and the partner's navigation entry."""

from renewals.models import CustomerAccount


def contact_panel_context(request, contact) -> dict:
    """Vendor staff manage a customer's renewals from its organisation's contact page."""
    from renewals.views.customers import customer_context

    if not contact.is_organisation:
        return {"customer": None}
    customer = CustomerAccount.objects.filter(contact=contact).select_related("contact").first()
    if customer is None:
        return {"customer": None}
    return customer_context(request, customer)
