package store

import (
	"context"

	"andon/internal/domain"
)

// Agent replies with files: the entry, its attachments and (for email
// tickets) the outbox row commit together; the mail worker reads the files
// back by entry when it builds the message.

// AddEntryWithFiles is AddEntry plus attachments on the new entry.
func (db *DB) AddEntryWithFiles(ctx context.Context, n domain.NewEntry, files []domain.NewAttachment) (*domain.Entry, error) {
	if len(files) == 0 {
		return db.AddEntry(ctx, n)
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := validateFiles(files); err != nil {
		return nil, err
	}
	var id int64
	var statusChanged bool
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if id, statusChanged, err = tx.AddEntry(ctx, n); err != nil {
			return err
		}
		return tx.addAttachments(ctx, n.TicketID, id, files)
	})
	if err != nil {
		return nil, err
	}
	db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: n.TicketID, EntryID: id, UserID: n.Actor.UserID})
	if statusChanged {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: n.TicketID, UserID: n.Actor.UserID})
	}
	return db.Entry(ctx, id)
}

// EntryFile is an attachment with its bytes.
type EntryFile struct {
	domain.Attachment
	Data []byte
}

// EntryFiles loads the files attached to one entry, oldest first.
func (db *DB) EntryFiles(ctx context.Context, entryID int64) ([]EntryFile, error) {
	rows, err := db.query(ctx, `SELECT id, ticket_id, filename, content_type, size, data FROM attachments WHERE entry_id = ? ORDER BY id`, entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EntryFile
	for rows.Next() {
		var f EntryFile
		if err := rows.Scan(&f.ID, &f.TicketID, &f.Filename, &f.ContentType, &f.Size, &f.Data); err != nil {
			return nil, err
		}
		e := entryID
		f.EntryID = &e
		out = append(out, f)
	}
	return out, rows.Err()
}
