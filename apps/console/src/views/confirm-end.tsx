import { useEffect, useRef } from 'preact/hooks';

export interface ConfirmEndProps {
  callId: string;
  summary: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal question before a call is ended: Escape or Cancel keeps the call. */
export function ConfirmEnd({ callId, summary, onConfirm, onCancel }: ConfirmEndProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onCancel={onCancel}>
      <h2 id="confirm-title">End this call?</h2>
      <p>{summary}</p>
      <p class="mono">{callId}</p>
      <p>The SBC carrying it is told to hang up; the call shows "end requested" until the SBC reports its end.</p>
      <div class="actions">
        <button type="button" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          End call
        </button>
      </div>
    </dialog>
  );
}
