-- Stored reasons become codes and parameters, written in the reader's language when
-- they are read (issue 9; internal/i18n, transfers.code.*). Before, the transfer job
-- stored French sentences, which English pages showed in French.

-- The job's findings: the reasons of the states impossible and no_ine. The words go,
-- so that the job does not rewrite (and date anew) every row at its next run.
UPDATE transfer_states SET reason_code = 'no_send', reason = ''
    WHERE reason = 'l''établissement d''origine n''autorise pas l''envoi des données';
UPDATE transfer_states SET reason_code = 'no_receive', reason = ''
    WHERE reason = 'l''établissement d''accueil n''autorise pas la réception des données';
UPDATE transfer_states SET reason_code = 'no_consent', reason = ''
    WHERE reason = 'aucun des deux établissements n''autorise le transfert des données';
UPDATE transfer_states SET reason_code = 'no_ine', reason = ''
    WHERE reason = 'INE absent dans SIECLE : l''élève ne peut pas être retrouvé dans un autre établissement';

-- The receipts of diploma changes: the code and the two MEFs, taken out of the sentence
-- "l'élève ne prépare plus le même diplôme (MEF <from> → <to>) : les référentiels
-- diffèrent, rien n'est transféré". The sentence stays as it was written (a receipt is
-- a record); the pages write the codes. A MEF holding a quote or a backslash (which the
-- JSON object would have to escape) keeps its receipt in words only.
ALTER TABLE transfers ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN reason_params TEXT NOT NULL DEFAULT '{}';
UPDATE transfers SET reason_code = 'diploma_change',
    reason_params = '{"from_mef":"' || REPLACE(REPLACE(REPLACE(reason,
        'l''élève ne prépare plus le même diplôme (MEF ', ''),
        ') : les référentiels diffèrent, rien n''est transféré', ''),
        ' → ', '","to_mef":"') || '"}'
    WHERE kind = 'diploma_change'
    AND reason LIKE 'l''élève ne prépare plus le même diplôme (MEF % → %) : les référentiels diffèrent, rien n''est transféré'
    AND REPLACE(REPLACE(reason, '"', ''), '\', '') = reason;
