// Toasts: a view sets HX-Trigger {"toast": {"message": "...", "level": "success"}}.
document.body.addEventListener("toast", (event) => {
  const { message, level } = event.detail;
  const toast = document.createElement("div");
  toast.className = `toast align-items-center text-bg-${level || "success"} border-0`;
  toast.setAttribute("role", "status");
  toast.innerHTML = '<div class="d-flex"><div class="toast-body"></div><button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast"></button></div>';
  toast.querySelector(".toast-body").textContent = message;
  document.getElementById("toasts").appendChild(toast);
  bootstrap.Toast.getOrCreateInstance(toast).show();
});
