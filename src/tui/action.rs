//! What the user asked for, as data. Keys become [`Action`]s through the
//! key map; `App::update` applies them. Tests drive the interface with these
//! values and need no terminal.

/// The top-level screens. Their order, titles and jump keys are registered
/// once, in `screens::TABS`; each is drawn and driven by its own component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tab {
    Today,
    Clients,
    Invoices,
    Aging,
    Notes,
    Forecast,
}

/// A user intent. The bindable ones have a name (used in `[keys]` of the
/// config) and a description (shown in help); see `keymap.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Left,
    Right,
    /// Between a list and its detail (side by side when wide, one at a
    /// time when narrow).
    NextPane,
    PrevPane,
    NextTab,
    PrevTab,
    Jump(Tab),
    Enter,
    Back,
    Filter,
    /// After `/`: the next (previous) row that matches the filter.
    NextMatch,
    PrevMatch,
    Help,
    Quit,
    Suspend,
    Sort,
    ReverseSort,
    CycleStatus,
    ToggleScope,
    /// Today: my accounts only, or everyone's.
    Mine,
    /// Take the selected account (asks first: press again to confirm).
    Assign,
    CopyEmail,
    CopyPhone,
    // Logging (issue 6): each opens a small form or writes at once.
    LogCall,
    LogEmail,
    LogLetter,
    LogNote,
    Promise,
    Dispute,
    Resolve,
    Snooze,
    Hold,
    Payment,
    /// `C`: apply credit on account to open invoices (asks first, in a form).
    ApplyCredit,
    Done,
    Editor,
    Undo,
    /// `U` / Ctrl-R: redo what `u` took back (asks first).
    Redo,
    /// Read the book again (others may have written since).
    Reload,
    /// `r`: the message the step calls for, rendered in a preview where it
    /// can be edited, sent or saved (`screens::remind`).
    Remind,
    /// Today: mark or unmark the account, to send several in one go.
    Mark,
    // Inside the message preview (the `preview` section of the key map).
    PreviewSend,
    PreviewSave,
    PreviewEdit,
    PreviewClose,
    // Inside a logging form (the `form` section of the key map).
    FormSave,
    FormCancel,
    FormNext,
    FormPrev,
    FormEditor,
}

/// Which half of a screen has the keys: the list, or the detail of its
/// selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    List,
    Detail,
}

/// What the shell must do after an update: the only side effects the core
/// asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    Suspend,
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Edit this text in `$VISUAL`/`$EDITOR`; the result goes back to the
    /// open form (`App::editor_done`).
    Editor(String),
    /// Draw the frame (it says "sending…"), then call `App::deliver_now`:
    /// handing messages to a mail server may take seconds.
    Deliver,
}
