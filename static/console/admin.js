// Back-office behaviour kept out of inline attributes (the Content-Security-Policy runs only
// scripts from our static files).

// One reason box feeds two forms: what is typed is copied into the reject form's hidden field.
document.addEventListener("input", (event) => {
  const source = event.target.closest("[data-copy-to]");
  const target = source && document.getElementById(source.dataset.copyTo);
  if (target) target.value = source.value;
});
