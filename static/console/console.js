// Toasts: a view sets HX-Trigger {"toast": {"message": "...", "level": "success"}}, or adds a
// django.contrib.messages message, which console/htmx.py appends to an HTMX answer as a toast
// swapped out of band into #toasts.
function showToast(toast) {
  toast.addEventListener("hidden.bs.toast", () => toast.remove());
  bootstrap.Toast.getOrCreateInstance(toast).show();
}

document.body.addEventListener("toast", (event) => {
  const { message, level } = event.detail;
  const toast = document.createElement("div");
  toast.className = `toast align-items-center text-bg-${level || "success"} border-0`;
  toast.setAttribute("role", "status");
  toast.innerHTML = '<div class="d-flex"><div class="toast-body"></div><button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast"></button></div>';
  toast.querySelector(".toast-body").textContent = message;
  document.getElementById("toasts").appendChild(toast);
  showToast(toast);
});

document.addEventListener("htmx:load", (event) => {
  const elt = event.detail.elt;
  if (elt.matches && elt.matches("#toasts > .toast") && !elt.classList.contains("show")) {
    showToast(elt);
  }
});

// A 400/422 answer carrying a form with its errors is swapped like a 200 (htmx-config
// responseHandling in base.html). Under DEBUG, django-htmx's error handler (a listener on
// document) would replace the whole page with such an answer: stop it seeing answers that htmx
// swaps. Real errors still reach it.
document.documentElement.addEventListener("htmx:beforeOnLoad", (event) => {
  const status = String(event.detail.xhr.status);
  const rule = htmx.config.responseHandling.find((r) => new RegExp(r.code).test(status));
  if (rule && rule.swap && !rule.error) {
    event.stopPropagation();
  }
});

// Behaviour that would otherwise be inline on*= attributes, which the Content-Security-Policy
// (script-src 'self') does not run.

// The header's language switch: keep the page (with its query) and submit on change.
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-submit-on-change]");
  if (!select) return;
  const next = select.form.querySelector("[data-follow-location]");
  if (next) next.value = location.pathname + location.search;
  select.form.submit();
});

// A form that asks before it submits (removing a recipient).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// "Cancel" on a form opened into a slot closes the slot instead of leaving the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-close-slot]");
  const slot = link && document.getElementById(link.dataset.closeSlot);
  if (slot) {
    event.preventDefault();
    slot.innerHTML = "";
  }
});

// Real-name form: the labels and the documents follow the account type (individual/company).
function followVerificationKind(select) {
  const form = select.form;
  const kind = select.value;
  form.querySelectorAll("[data-label-individual]").forEach((label) => {
    label.textContent = label.dataset[kind === "company" ? "labelCompany" : "labelIndividual"];
  });
  const documents = form.querySelector("select[name=document]");
  let firstFitting = null;
  documents.querySelectorAll("option").forEach((option) => {
    const fits = option.dataset.kind === kind;
    option.hidden = !fits;
    option.disabled = !fits;
    if (fits && !firstFitting) firstFitting = option;
  });
  if (documents.selectedOptions[0]?.disabled && firstFitting) firstFitting.selected = true;
}

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-verification-kind]")) followVerificationKind(event.target);
});
document.querySelectorAll("[data-verification-kind]").forEach(followVerificationKind);
